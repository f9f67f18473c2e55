-- One row per county and area (urban, rural): the 低保 standard in force at the month end, the
-- latest whose effective date has come (seed dibao_standards).
with ranked as (
    select
        county_code,
        area,
        monthly_standard_yuan,
        effective_date,
        row_number() over (partition by county_code, area order by effective_date desc) as recency
    from {{ ref('dibao_standards') }}
    where effective_date <= {{ month_end() }}
)

select county_code, area, monthly_standard_yuan, effective_date
from ranked
where recency = 1
