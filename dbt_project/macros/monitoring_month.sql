{#- The month end D at which every rule is evaluated: the last day of var('month'). -#}
{% macro month_end() -%}
    last_day(cast('{{ var("month") }}-01' as date))
{%- endmacro %}

{#- A snapshot feed as of the month: the latest delivery accepted up to and including the month
    (raw.load_log: loaded, not turned away), so a month without the feed, or whose delivery was
    turned away, keeps the previous snapshot in force (feeds.md). A feed delivered one file per
    county takes each county's latest delivery that held its file: a county whose file did not
    come keeps its previous roster, rather than losing it. -#}
{% macro latest_snapshot(relation, per_county=false) -%}
    select snapshot.*
    from {{ relation }} as snapshot
    inner join (
        select
            {%- if per_county %} counties.county_code as county,{% endif %}
            max(log.delivery_month) as delivery_month
        from {{ source('raw', 'load_log') }} as log
        {%- if per_county %}
        cross join {{ ref('counties') }} as counties
        {%- endif %}
        where
            log.feed_code = '{{ relation.identifier }}'
            and log.status = 'loaded'
            and log.delivery_month <= '{{ var("month") }}'
            {%- if per_county %}
            and not list_contains(string_split(coalesce(log.missing_counties, ''), ','), counties.county_code)
        group by counties.county_code
    ) as latest using (county, delivery_month)
            {%- else %}
    ) as latest using (delivery_month)
            {%- endif %}
{%- endmacro %}

{#- The month before the monitoring month, 'YYYY-MM': what alerts compare with (months run in
    order, so it is the month this one carries over from). -#}
{% macro previous_month() -%}
    strftime(cast('{{ var("month") }}-01' as date) - interval 1 month, '%Y-%m')
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
