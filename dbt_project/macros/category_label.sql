{#- The Chinese word of domain.md's glossary for a category (tekun, dibao, …): what evidence and
    workbooks show, never the code. -#}
{% macro category_label(category) -%}
    (case {{ category }}
        when 'tekun' then '特困人员'
        when 'dibao' then '低保对象'
        when 'marginal' then '低保边缘'
        when 'expenditure_hardship' then '支出型困难'
        when 'other' then '其他低收入'
        else '一般人群'
    end)
{%- endmacro %}

{#- The same for a household: 低保家庭, 特困家庭 … -#}
{% macro household_category_label(category) -%}
    (case {{ category }}
        when 'tekun' then '特困'
        when 'dibao' then '低保'
        when 'marginal' then '低保边缘'
        when 'expenditure_hardship' then '支出型困难'
        when 'other' then '其他低收入'
        else '一般'
    end || '家庭')
{%- endmacro %}
