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

{#- Whole years of age at the month end. -#}
{% macro age_at_month_end(birth_date) -%}
    (date_diff('year', {{ birth_date }}, {{ month_end() }})
        - case when strftime({{ month_end() }}, '%m%d') < strftime({{ birth_date }}, '%m%d') then 1 else 0 end)
{%- endmacro %}

{#- The school year the month falls in: from September, 'Y-(Y+1)', else '(Y-1)-Y'. -#}
{% macro school_year() -%}
    (case when month({{ month_end() }}) >= 9
        then cast(year({{ month_end() }}) as varchar) || '-' || cast(year({{ month_end() }}) + 1 as varchar)
        else cast(year({{ month_end() }}) - 1 as varchar) || '-' || cast(year({{ month_end() }}) as varchar)
    end)
{%- endmacro %}

{#- Working days after `since` up to and including the month end (China's official calendar). -#}
{% macro working_days_since(since) -%}
    (select count(*) from {{ source('reference', 'working_days') }} as wd
     where wd.is_working_day and wd.day > {{ since }} and wd.day <= {{ month_end() }})
{%- endmacro %}
