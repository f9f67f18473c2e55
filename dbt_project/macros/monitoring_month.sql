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
            and not {{ csv_contains('log.missing_counties', 'counties.county_code') }}
        group by counties.county_code
    ) as latest using (county, delivery_month)
            {%- else %}
    ) as latest using (delivery_month)
            {%- endif %}
{%- endmacro %}

{#- The month before the monitoring month, 'YYYY-MM': what alerts compare with (months run in
    order, so it is the month this one carries over from). -#}
{% macro previous_month() -%}
    {{ format_date("cast('" ~ var('month') ~ "-01' as date) - interval 1 month", '%Y-%m') }}
{%- endmacro %}

{#- An event feed as of the month: every event delivered up to and including the month. -#}
{% macro delivered_events(relation) -%}
    select * from {{ relation }} where delivery_month <= '{{ var("month") }}'
{%- endmacro %}

{#- Whole years completed on a day (born 1963-12-15 is 59 on 2023-06-10; domain.md). -#}
{% macro age_on(birth_date, day) -%}
    (year({{ day }}) - year({{ birth_date }})
        - case when {{ format_date(day, '%m%d') }} < {{ format_date(birth_date, '%m%d') }} then 1 else 0 end)
{%- endmacro %}

{#- Whole years of age at the month end. -#}
{% macro age_at_month_end(birth_date) -%}
    {{ age_on(birth_date, month_end()) }}
{%- endmacro %}

{#- The first day of the look-back window of `threshold_name` days that ends on the month end:
    the last N days, and never less than the whole month (a 30-day window in a 31-day month
    still takes the 1st). -#}
{% macro window_start(threshold_name) -%}
    least(
        {{ month_end() }} - (cast({{ threshold(threshold_name) }} as integer) - 1),
        cast('{{ var("month") }}-01' as date)
    )
{%- endmacro %}

{#- The last day of a delivery month 'YYYY-MM' (a column). -#}
{% macro end_of_delivery_month(delivery_month) -%}
    last_day(cast({{ delivery_month }} || '-01' as date))
{%- endmacro %}

{#- Whether an emergency counted when it was delivered (domain.md, "Events reach the departments
    late"): dated within the look-back window of its delivery month, or delivered late but at most
    event_late_delivery_max_days before that month's end (a January hospital stay first delivered
    in July is history, not an emergency). In the warehouse's first month (var first_month) only
    the window counts: a first load's older events are history, not late ones. -#}
{% macro raisable_when_delivered(event_date, delivery_month, threshold_name) -%}
    ({{ event_date }} >= least(
            {{ end_of_delivery_month(delivery_month) }} - (cast({{ threshold(threshold_name) }} as integer) - 1),
            cast({{ delivery_month }} || '-01' as date))
        or ({{ delivery_month }} > '{{ var("first_month") }}'
            and {{ event_date }} >= {{ end_of_delivery_month(delivery_month) }}
                - cast({{ threshold('event_late_delivery_max_days') }} as integer)))
{%- endmacro %}

{#- An event a rule that is no emergency (P02) looks at this month: dated within the look-back
    window, or delivered this month, whichever catches it; never after the month end. -#}
{% macro event_in_window(event_date, delivery_month, threshold_name) -%}
    ({{ event_date }} <= {{ month_end() }}
        and ({{ event_date }} >= {{ window_start(threshold_name) }}
            or {{ delivery_month }} = '{{ var("month") }}'))
{%- endmacro %}

{#- An emergency an urgent rule (U01, U02, U04) raised when it was delivered: the window decides
    only when the alert is raised; it then stays raised (持续, overdue when due) until what it
    asks for happens (the rule's own test: a 临时救助 to the household) or the county disposes of
    it. -#}
{% macro emergency_raised(event_date, delivery_month, threshold_name) -%}
    ({{ event_date }} <= {{ month_end() }}
        and {{ delivery_month }} <= '{{ var("month") }}'
        and {{ raisable_when_delivered(event_date, delivery_month, threshold_name) }})
{%- endmacro %}

{#- No 临时救助 granted to anyone of the person's household on or after the day: a grant goes to
    one applicant for the whole household. -#}
{% macro no_temp_assistance_since(household_key, day) -%}
    not exists (
        select 1 from {{ ref('int_person_grants') }} as grants
        where grants.household_key = {{ household_key }} and grants.approval_date >= {{ day }}
    )
{%- endmacro %}

{#- The school year the month falls in: from September, 'Y-(Y+1)', else '(Y-1)-Y'. -#}
{% macro school_year() -%}
    (case when month({{ month_end() }}) >= 9
        then cast(year({{ month_end() }}) as string) || '-' || cast(year({{ month_end() }}) + 1 as string)
        else cast(year({{ month_end() }}) - 1 as string) || '-' || cast(year({{ month_end() }}) as string)
    end)
{%- endmacro %}

{#- Working days after `since` up to and including the month end (China's official calendar). -#}
{% macro working_days_since(since) -%}
    (select count(*) from {{ source('reference', 'working_days') }} as wd
     where wd.is_working_day and wd.day > {{ since }} and wd.day <= {{ month_end() }})
{%- endmacro %}

{#- The day the month's workbooks are (or will be) published: the orchestrator passes the first
    publication of the month (main.publication_log) or the run day; without it, the configured
    day of the next month. Due dates count from it, not from the month end. -#}
{% macro publication_date() -%}
    {%- if var('publication_date', none) -%}
    cast('{{ var("publication_date") }}' as date)
    {%- else -%}
    ({{ month_end() }} + cast({{ threshold('publication_day_of_month') }} as integer))
    {%- endif -%}
{%- endmacro %}
