{#- On Spark, the sources are the Parquet the run wrote to the lake (engines/lake.py): each
    named in LINFEN_LAKE_TABLES is registered again as an external table over its folder, so
    a source that gained a column is read with it. On DuckDB the sources are the file's own
    tables: nothing to do. -#}
{% macro register_lake_sources() -%}
    {%- if target.type == 'spark' and execute -%}
        {%- for relation in env_var('LINFEN_LAKE_TABLES', '').split(',') if relation -%}
            {%- set schema, table = relation.split('.') -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query("create table " ~ relation ~ " using parquet location '"
                ~ env_var('LINFEN_LAKE') ~ "/" ~ schema ~ "/" ~ table ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
