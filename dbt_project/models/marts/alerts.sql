-- One row per alert of the month: raised (新增 the first month, back after a gap or on new
-- evidence after a disposal; 持续 after), carried over while its rule is held back (暂停), closed
-- by the county's disposal this month (已处置), or open last month and no longer holding (已解除).
-- An alert closed in an earlier month is not published again while its evidence is the same.
with history as (
    select * from {{ ref('alert_history') }}
),

first_raised as (
    select alert_id, min(month) as first_alert_month
    from history
    group by alert_id
),

-- month and is_paused last, in the same order on both sides of `combined`
this_month as (
    select * except (month, is_paused), month, is_paused
    from history where month = '{{ var("month") }}'
),

previous_open as (
    select * from history
    where month = {{ previous_month() }} and not coalesce(is_closed, false)
),

resolved as (
    select previous_open.* except (month, is_paused), '{{ var("month") }}' as month, false as is_paused
    from previous_open
    where previous_open.alert_id not in (select alert_id from this_month)
),

combined as (
    select *, false as is_resolved from this_month
    union all
    select *, true as is_resolved from resolved
),

evaluated as (
    select
        combined.*,
        disposals.disposal_status,
        disposals.disposal_date,
        disposals.disposed_by,
        disposals.disposal_note,
        disposals.received_month as disposal_received_month,
        coalesce(disposals.unreachable_months, 0) as unreachable_months,
        -- a disposal of this episode (not one of before the alert was resolved or re-raised)
        coalesce(disposals.received_month >= combined.episode_start_month, false) as disposed_this_episode,
        combined.alert_id in (select alert_id from previous_open) as was_open
    from combined
    left join {{ ref('int_alert_disposals') }} as disposals using (alert_id)
),

judged as (
    select
        *,
        -- overdue: past the due date of the episode and no disposal came back (无法联系 counts as none);
        -- never while paused: the city held the rule back, the county was given nothing to act on
        not is_resolved and not coalesce(is_closed, false) and not coalesce(is_paused, false)
        and due_date < {{ publication_date() }}
        and (not disposed_this_episode or disposal_status = '无法联系') as is_overdue
    from evaluated
    where not (coalesce(is_closed, false) and disposal_received_month is distinct from '{{ var("month") }}')
)

select
    judged.* except (is_resolved, is_paused, level, is_closed, disposed_this_episode, was_open),
    -- an overdue alert rises one level, once
    case when judged.is_overdue then case judged.level when '黄' then '橙' else '红' end else judged.level end as level,
    first_raised.first_alert_month,
    case
        when judged.is_resolved then '已解除'
        when judged.is_closed then '已处置'
        when judged.is_paused then '暂停'
        when not judged.was_open then '新增'
        else '持续'
    end as status,
    -- what the county returned, shown on the workbook: this episode's disposal, or the one
    -- before when the alert comes back on new evidence
    case when judged.disposal_status is not null then
        case when judged.disposed_this_episode then '' else '上次：' end
        || judged.disposal_status || '（' || {{ format_date('judged.disposal_date', '%Y-%m-%d') }}
        || coalesce('，' || judged.disposed_by, '') || '）'
    end as disposal_record,
    -- 无法联系 in two months: the city bureau takes it up
    not judged.is_resolved and not coalesce(judged.is_closed, false)
    and judged.unreachable_months >= {{ threshold('unreachable_months_to_city') }} as is_for_city
from judged
inner join first_raised using (alert_id)
