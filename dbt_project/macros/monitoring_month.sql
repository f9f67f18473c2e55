{#- The month end D at which every rule is evaluated: the last day of var('month'). -#}
{% macro month_end() -%}
    last_day(cast('{{ var("month") }}-01' as date))
{%- endmacro %}

{#- A snapshot feed as of the month: the latest delivery up to and including the month, so a
    month without the feed keeps the previous snapshot in force (feeds.md). -#}
{% macro latest_snapshot(relation) -%}
    select *
    from {{ relation }}
    where delivery_month = (
        select max(delivery_month) from {{ relation }} where delivery_month <= '{{ var("month") }}'
    )
{%- endmacro %}

{#- An event feed as of the month: every event delivered up to and including the month. -#}
{% macro delivered_events(relation) -%}
    select * from {{ relation }} where delivery_month <= '{{ var("month") }}'
{%- endmacro %}
