{#- A value an alert's evidence quotes from a department's record, as text that is never NULL:
    the value as text (a number or date cast to string), followed by its unit when one is given
    ('元', '人' …), or （未填） when the record left it blank, the unit then left out. SQL's ||
    with a NULL gives NULL: one blank field (a swapped column, an empty cell) would otherwise
    blank the whole evidence, fail its not_null test and hold the month back (issue 24).
    Portable: coalesce and cast only, the same on DuckDB and Spark.
        '家庭年总收入' || {{ quoted('v.household_income_annual', '元') }}
    gives 家庭年总收入12000.00元, or 家庭年总收入（未填） when the income is NULL. -#}
{% macro quoted(expression, unit=none) -%}
    coalesce(cast({{ expression }} as string){% if unit %} || '{{ unit }}'{% endif %}, '{{ missing_value() }}')
{%- endmacro %}

{#- The words evidence shows for a value the record left blank. -#}
{% macro missing_value() -%}
    （未填）
{%- endmacro %}
