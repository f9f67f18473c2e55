{{ config(**monthly_slices_config()) }}
-- One row per month, county, department and rule: the open alerts, how many the county disposed
-- of in their current episode, how many are overdue or gone to the city, and the rates; every
-- month is kept, so analysts follow them across months. A rerun of a month replaces it.
with alerts as (
    select * from {{ ref('alerts') }}
    where status <> '已解除'
)

select
    month,
    county_code,
    department,
    rule_id,
    count(*) as alerts,
    count(*) filter (where status = '已处置') as closed,
    count(*) filter (where disposal_record is not null and disposal_record not like '上次%') as disposed,
    count(*) filter (where is_overdue) as overdue,
    count(*) filter (where is_for_city) as for_city,
    round(count(*) filter (where disposal_record is not null and disposal_record not like '上次%') / count(*), 4)
        as disposal_rate,
    round(count(*) filter (where is_overdue) / count(*), 4) as overdue_rate
from alerts
group by all
