-- One row per person with a line at 人社: the monthly income those lines show, pensions on lines
-- not 终止参保 plus contribution bases (wages) on lines 参保缴费 (a paused or ended line pays none).
-- A line 终止参保 because its holder retired (终止原因 退休, 正常退休, 提前退休 …) ends the
-- contributions, not the pension: 人社 pays the 月养老金 it shows from then on (issue 25, item 6).
-- Ended for any other reason (死亡, 转出 …, or none given) it pays nothing.
select
    records.person_key,
    sum(
        case
            when hrss.insurance_status is distinct from '终止参保' then coalesce(hrss.monthly_pension, 0)
            when hrss.termination_reason like '%退休%' then coalesce(hrss.monthly_pension, 0)
            else 0
        end
        + case when coalesce(hrss.insurance_status, '参保缴费') = '参保缴费'
            then coalesce(hrss.monthly_contribution_base, 0) else 0 end
    ) as monthly_income
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
group by records.person_key
