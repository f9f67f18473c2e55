{{ config(**monthly_slices_config(on_schema_change='append_new_columns')) }}
-- depends_on: {{ ref('held_back_rules') }}
-- depends_on: {{ ref('held_back_county_rules') }}
-- One row per alert per month in which it was raised, or carried over as it stood (is_paused)
-- because its rule is held back this month. An alert the county disposed of as 已核实不属实 or
-- 已落实救助 is closed (is_closed) while the rule finds the same evidence (evidence_digest); an
-- open alert keeps the due date of the month its episode began. A rerun of a month replaces it.
with raised as (
    select *, false as is_paused from {{ ref('alerts_raised') }}
),

disposals as (
    select * from {{ ref('int_alert_disposals') }}
)

{% if is_incremental() %}
, earlier as (
    -- read through JSON: months written before a column existed give NULL, not an error
    select
        alert_id,
        month,
        {{ earlier_column('history', 'evidence_digest') }} as evidence_digest,
        {{ earlier_column('history', 'episode_start_month') }} as episode_start_month,
        cast({{ earlier_column('history', 'due_date') }} as date) as due_date,
        coalesce(cast({{ earlier_column('history', 'is_closed') }} as boolean), false) as is_closed
    from {{ this }} as history
    where month < '{{ var("month") }}'
),

last_month as (
    select * from earlier where month = {{ previous_month() }}
),

disposed_digests as (
    -- the evidence the county saw: that of the workbook it answered, else the latest before the
    -- disposal came back
    select disposals.alert_id, {{ value_at_max("earlier.evidence_digest", ["earlier.month"]) }} as disposed_digest
    from disposals
    inner join earlier
        on earlier.alert_id = disposals.alert_id
        and earlier.month <= coalesce(disposals.published_month, disposals.received_month)
    group by disposals.alert_id
),

carried as (
    -- the open alerts of a held-back rule stay open, neither resolved nor raised anew (暂停)
    select
        last_month.* except (month, is_paused),
        '{{ var("month") }}' as month,
        true as is_paused
    from {{ this }} as last_month
    where
        last_month.month = {{ previous_month() }}
        and (
            last_month.rule_id in (select rule_id from {{ ref('held_back_rules') }})
            or exists (
                select 1 from {{ ref('held_back_county_rules') }} as held
                where held.rule_id = last_month.rule_id and held.county_code = last_month.county_code
            )
        )
),
{% else %}
, carried as (
    select * from raised where false
),
{% endif %}

marked as (
    select
        raised.*,
        coalesce(
            disposals.disposal_status in ('已核实不属实', '已落实救助')
            {% if is_incremental() %}and disposed_digests.disposed_digest = raised.evidence_digest{% else %}and false{% endif %},
            false
        ) as is_closed,
        {% if is_incremental() -%}
        last_month.alert_id is not null and not last_month.is_closed as continues_episode,
        last_month.episode_start_month as last_episode_start_month,
        last_month.due_date as last_due_date
        {%- else -%}
        false as continues_episode,
        cast(null as string) as last_episode_start_month,
        cast(null as date) as last_due_date
        {%- endif %}
    from raised
    left join disposals using (alert_id)
    {% if is_incremental() -%}
    left join disposed_digests using (alert_id)
    left join last_month using (alert_id)
    {%- endif %}
),

raised_now as (
    select
        marked.* except (continues_episode, last_episode_start_month, last_due_date, due_date),
        case when continues_episode then coalesce(last_episode_start_month, '{{ var("month") }}')
            else '{{ var("month") }}' end as episode_start_month,
        case when continues_episode then coalesce(last_due_date, marked.due_date) else marked.due_date end as due_date
    from marked
)

{{ union_all_by_name('raised_now', 'carried', this if is_incremental() else none) }}
