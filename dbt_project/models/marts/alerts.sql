-- One row per alert of the month: the alerts raised (新增 the first month, 持续 after) and
-- those raised the previous month that no longer hold (已解除).
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
    where month = (select max(month) from history where month < '{{ var("month") }}')
),

resolved as (
    select previous_month.* replace ('{{ var("month") }}' as month)
    from previous_month
    where previous_month.alert_id not in (select alert_id from this_month)
),

combined as (
    select *, false as is_resolved from this_month
    union all by name
    select *, true as is_resolved from resolved
)

select
    combined.* exclude (is_resolved, level),
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
        when first_raised.first_alert_month = '{{ var("month") }}' then '新增'
        else '持续'
    end as status
from combined
inner join first_raised using (alert_id)
