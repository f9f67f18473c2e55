-- One row per person with a line at 人社: the monthly income those lines show, pensions on lines
-- not 终止参保 plus contribution bases (wages) on lines 参保缴费 (a paused or ended line pays none).
select
    records.person_key,
    sum(
        case when hrss.insurance_status is distinct from '终止参保' then coalesce(hrss.monthly_pension, 0) else 0 end
        + case when coalesce(hrss.insurance_status, '参保缴费') = '参保缴费'
            then coalesce(hrss.monthly_contribution_base, 0) else 0 end
    ) as monthly_income
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
group by records.person_key
