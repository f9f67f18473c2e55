{#- A configured threshold from the rule_thresholds seed (with its source beside it there). -#}
{% macro threshold(name) -%}
    (select value from {{ ref('rule_thresholds') }} where threshold_name = '{{ name }}')
{%- endmacro %}
