-- One row per due period of the rule catalogue (in working days): the date it falls on,
-- counted in China's official working days after the day the month's workbooks are published.
with working_days as (
    select
        day,
        row_number() over (order by day) as working_day_number
    from {{ source('reference', 'working_days') }}
    where is_working_day and day > {{ publication_date() }}
),

periods as (
    select distinct due_working_days from {{ ref('alert_rules') }}
)

select
    periods.due_working_days,
    working_days.day as due_date
from periods
inner join working_days on working_days.working_day_number = periods.due_working_days
