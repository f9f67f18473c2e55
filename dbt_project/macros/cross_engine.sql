{#- SQL that DuckDB and Spark spell differently (engines/settings.py: the engine switch): one
    small macro each, dispatched on the adapter, so every model compiles on both. Where the two
    could order or round differently, the macro fixes one order for both. -#}

{#- A date as text: format in strftime's letters (%Y %m %d). -#}
{% macro format_date(expression, format) -%}
    {{ return(adapter.dispatch('format_date')(expression, format)) }}
{%- endmacro %}
{% macro default__format_date(expression, format) -%}
    strftime({{ expression }}, '{{ format }}')
{%- endmacro %}
{% macro spark__format_date(expression, format) -%}
    date_format({{ expression }}, '{{ format | replace("%Y", "yyyy") | replace("%m", "MM") | replace("%d", "dd") }}')
{%- endmacro %}

{#- A date N months later (earlier for negative N), clamped to the month's last day. -#}
{% macro add_months(expression, months) -%}
    {{ return(adapter.dispatch('add_months')(expression, months)) }}
{%- endmacro %}
{% macro default__add_months(expression, months) -%}
    cast({{ expression }} + to_months({{ months }}) as date)
{%- endmacro %}
{% macro spark__add_months(expression, months) -%}
    add_months({{ expression }}, {{ months }})
{%- endmacro %}

{#- Text yyyymmdd as a date, NULL when it is no date (an ID number's birth date part). -#}
{% macro parse_compact_date(expression) -%}
    {{ return(adapter.dispatch('parse_compact_date')(expression)) }}
{%- endmacro %}
{% macro default__parse_compact_date(expression) -%}
    cast(try_strptime({{ expression }}, '%Y%m%d') as date)
{%- endmacro %}
{% macro spark__parse_compact_date(expression) -%}
    to_date({{ expression }}, 'yyyyMMdd')
{%- endmacro %}

{#- The texts of a group joined by `separator`, ordered by the keys of `order_by` (a list) and
    then by the text itself, so evidence reads the same every run and on both engines; only rows
    where `where` holds, NULLs left out, a group of none gives NULL. The text is the call
    block's body:  {% call text_agg("'；'", order_by=['v.visit_date']) %} v.visit_number {% endcall %} -#}
{% macro text_agg(separator, order_by=[], distinct=false, where=none) -%}
    {{ return(adapter.dispatch('text_agg')(caller() | trim, separator, order_by, distinct, where)) }}
{%- endmacro %}
{% macro default__text_agg(text, separator, order_by, distinct, where) -%}
    string_agg({{ 'distinct ' if distinct }}{{ text }}, {{ separator }} order by {{ (order_by + [text]) | join(', ') }})
    {%- if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}
{% macro spark__text_agg(text, separator, order_by, distinct, where) -%}
    {%- set value = 'case when ' ~ where ~ ' then ' ~ text ~ ' end' if where else text -%}
    {%- if not order_by -%}
    nullif(array_join(array_sort({{ 'collect_set' if distinct else 'collect_list' }}({{ value }})), {{ separator }}), '')
    {%- else -%}
    nullif(array_join(transform(array_sort({{ 'collect_set' if distinct else 'collect_list' }}(struct(
        {%- for key in order_by %}{{ key }} as k{{ loop.index }}, {% endfor %}{{ value }} as text))), s -> s.text), {{ separator }}), '')
    {%- endif -%}
{%- endmacro %}

{#- The value on the row whose keys (a list, compared in order) are largest / smallest. -#}
{% macro value_at_max(value, keys) -%}
    {{ return(adapter.dispatch('value_at_extreme')(value, keys, 'max')) }}
{%- endmacro %}
{% macro value_at_min(value, keys) -%}
    {{ return(adapter.dispatch('value_at_extreme')(value, keys, 'min')) }}
{%- endmacro %}
{% macro default__value_at_extreme(value, keys, extreme) -%}
    arg_{{ extreme }}({{ value }}, {% if keys | length == 1 %}{{ keys[0] }}{% else %}row({{ keys | join(', ') }}){% endif %})
{%- endmacro %}
{% macro spark__value_at_extreme(value, keys, extreme) -%}
    {{ extreme }}_by({{ value }}, {% if keys | length == 1 %}{{ keys[0] }}{% else %}struct({{ keys | join(', ') }}){% endif %})
{%- endmacro %}

{#- Whether comma-separated text (NULL: none) holds `value` as one of its items. -#}
{% macro csv_contains(text, value) -%}
    {{ return(adapter.dispatch('csv_contains')(text, value)) }}
{%- endmacro %}
{% macro default__csv_contains(text, value) -%}
    list_contains(string_split(coalesce({{ text }}, ''), ','), {{ value }})
{%- endmacro %}
{% macro spark__csv_contains(text, value) -%}
    array_contains(split(coalesce({{ text }}, ''), ','), {{ value }})
{%- endmacro %}

{#- The distinct values of a group where `condition` holds, as a sorted list. -#}
{% macro sorted_list(expression, condition) -%}
    {{ return(adapter.dispatch('sorted_list')(expression, condition)) }}
{%- endmacro %}
{% macro default__sorted_list(expression, condition) -%}
    list_sort(list(distinct {{ expression }}) filter (where {{ condition }}))
{%- endmacro %}
{% macro spark__sorted_list(expression, condition) -%}
    case when count_if({{ condition }}) > 0 then array_sort(collect_set(case when {{ condition }} then {{ expression }} end)) end
{%- endmacro %}

{#- The number of items of a list (NULL: NULL). -#}
{% macro list_length(expression) -%}
    {{ return(adapter.dispatch('list_length')(expression)) }}
{%- endmacro %}
{% macro default__list_length(expression) -%}
    len({{ expression }})
{%- endmacro %}
{% macro spark__list_length(expression) -%}
    (case when {{ expression }} is not null then size({{ expression }}) end)
{%- endmacro %}

{#- A list's items other than `value`, joined by commas; NULL when none is left. -#}
{% macro joined_list_without(expression, value) -%}
    {{ return(adapter.dispatch('joined_list_without')(expression, value)) }}
{%- endmacro %}
{% macro default__joined_list_without(expression, value) -%}
    nullif(array_to_string(list_filter(coalesce({{ expression }}, []::string[]), lambda c: c is distinct from {{ value }}), ','), '')
{%- endmacro %}
{% macro spark__joined_list_without(expression, value) -%}
    nullif(array_join(filter(coalesce({{ expression }}, array()), c -> not (c <=> {{ value }})), ','), '')
{%- endmacro %}

{#- Text with every match of a regular expression removed. -#}
{% macro remove_all(expression, pattern) -%}
    {{ return(adapter.dispatch('remove_all')(expression, pattern)) }}
{%- endmacro %}
{% macro default__remove_all(expression, pattern) -%}
    regexp_replace({{ expression }}, {{ pattern }}, '', 'g')
{%- endmacro %}
{% macro spark__remove_all(expression, pattern) -%}
    regexp_replace({{ expression }}, {{ pattern }}, '')
{%- endmacro %}

{#- A column of an earlier month's row of an incremental table, NULL where the month was
    written before the column existed (DuckDB reads it through JSON; Spark's tables gain
    the column as NULL for those months: on_schema_change). -#}
{% macro earlier_column(relation_alias, column) -%}
    {{ return(adapter.dispatch('earlier_column')(relation_alias, column)) }}
{%- endmacro %}
{% macro default__earlier_column(relation_alias, column) -%}
    (to_json({{ relation_alias }}) ->> '{{ column }}')
{%- endmacro %}
{% macro spark__earlier_column(relation_alias, column) -%}
    cast({{ relation_alias }}.{{ column }} as string)
{%- endmacro %}

{#- Whole months from the month of date `start` to the month of date `end`. -#}
{% macro months_between_dates(start, end) -%}
    ((year({{ end }}) * 12 + month({{ end }})) - (year({{ start }}) * 12 + month({{ start }})))
{%- endmacro %}

{#- The config of a table that keeps one slice per month, a rerun of a month replacing its
    slice: on DuckDB, appended after the month's rows are deleted; on Spark (Parquet tables
    have no DELETE), partitioned by month and the month's partition overwritten. -#}
{% macro monthly_slices_config() -%}
    {%- set spark = target.type == 'spark' -%}
    {%- set delete_month = "{% if is_incremental() %}delete from {{ this }} where month = '{{ var('month') }}'{% endif %}" -%}
    {%- do return(dict(
        materialized='incremental',
        incremental_strategy='insert_overwrite' if spark else 'append',
        partition_by=['month'] if spark else none,
        file_format='parquet' if spark else none,
        pre_hook=[] if spark else [delete_month],
        **kwargs
    )) -%}
{%- endmacro %}

{#- The most common value of a group, the smallest among equally common ones. -#}
{% macro most_common(expression) -%}
    {{ return(adapter.dispatch('most_common')(expression)) }}
{%- endmacro %}
{% macro default__most_common(expression) -%}
    mode({{ expression }} order by {{ expression }})
{%- endmacro %}
{% macro spark__most_common(expression) -%}
    mode({{ expression }}, true)
{%- endmacro %}

{#- Every row of two CTEs, columns matched by name. Spark SQL has no UNION BY NAME: there the
    columns are those of `relation` (the incremental table itself), and with no relation (its
    first month) the second CTE holds no row and is left out. -#}
{% macro union_all_by_name(first, second, relation) -%}
    {{ return(adapter.dispatch('union_all_by_name')(first, second, relation)) }}
{%- endmacro %}
{% macro default__union_all_by_name(first, second, relation) -%}
    select * from {{ first }}
    union all by name
    select * from {{ second }}
{%- endmacro %}
{% macro spark__union_all_by_name(first, second, relation) -%}
    {%- if relation is none -%}
    select * from {{ first }}
    {%- else -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | join(', ') -%}
    select {{ columns }} from {{ first }}
    union all
    select {{ columns }} from {{ second }}
    {%- endif -%}
{%- endmacro %}

{#- A text value from the project's variables as a SQL string literal (quotes doubled), so a
    variable never becomes SQL. -#}
{% macro sql_text(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}
