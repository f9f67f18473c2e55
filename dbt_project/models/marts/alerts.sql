-- One row per alert of the month: the alerts raised (新增 the first month or back after a
-- gap, 持续 after), those of a held-back rule carried over (暂停), and those open the previous
-- month that no longer hold (已解除).
with history as (
    select * from {{ ref('alert_history') }}
),

first_raised as (
    select alert_id, min(month) as first_alert_month, arg_min(due_date, month) as first_due_date
    from history
    group by alert_id
),

this_month as (
    select * from history where month = '{{ var("month") }}'
),

previous_month as (
    select * from history
    where month = {{ previous_month() }}
),

resolved as (
    select previous_month.* replace ('{{ var("month") }}' as month)
    from previous_month
    where previous_month.alert_id not in (select alert_id from this_month)
),

combined as (
    select *, false as is_resolved from this_month
    union all by name
    select * replace (false as is_paused), true as is_resolved from resolved
)

select
    combined.* exclude (is_resolved, is_paused, level),
    -- an alert still open after the due date of its first month rises one level
    case
        when not combined.is_resolved and first_raised.first_due_date < {{ month_end() }}
            then case combined.level when '黄' then '橙' else '红' end
        else combined.level
    end as level,
    not combined.is_resolved and coalesce(first_raised.first_due_date < {{ month_end() }}, false) as is_overdue,
    first_raised.first_alert_month,
    case
        when combined.is_resolved then '已解除'
        when combined.is_paused then '暂停'
        when combined.alert_id not in (select alert_id from previous_month) then '新增'
        else '持续'
    end as status
from combined
inner join first_raised using (alert_id)
