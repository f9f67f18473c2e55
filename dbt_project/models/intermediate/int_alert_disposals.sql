-- One row per alert a county has disposed up to the month: its latest disposal (the later
-- 处置日期 wins, then the later month it came back), and in how many months it came back as
-- 无法联系.
with feedback as (
    select * from {{ source('feedback', 'county_feedback') }}
    where received_month <= '{{ var("month") }}'
),

ranked as (
    select
        *,
        row_number() over (partition by alert_id order by disposal_date desc, received_month desc) as recency
    from feedback
),

unreachable as (
    select
        alert_id,
        count(distinct received_month) filter (where disposal_status = '无法联系') as unreachable_months
    from feedback
    group by alert_id
)

select
    alert_id,
    disposal_status,
    disposal_note,
    disposal_date,
    disposed_by,
    received_month,
    published_month,
    unreachable_months
from ranked
inner join unreachable using (alert_id)
where recency = 1
