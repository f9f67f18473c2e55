-- One row per 防返贫 monitoring household at risk (not eliminated) whose net income per person
-- is below 12 months of the rural 低保 standard and that is not on 低保 or 特困 (rule N06).
with monitored as (
    select records.person_key, rural.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_rural_monitoring') }} as rural using (record_id)
    where rural.household_category = '监测户' and rural.risk_eliminated = '否'
),

rural_standard as (
    select county_code, monthly_standard_yuan,
        row_number() over (partition by county_code order by effective_date desc) as recency
    from {{ ref('dibao_standards') }}
    where area = 'rural' and effective_date <= {{ month_end() }}
)

select
    'N06' as rule_id,
    hm.head_person_key as subject_person_key,
    '乡村振兴局监测户（' || {{ quoted('max(monitored.monitoring_category)') }} || '，风险未消除）：家庭年人均纯收入'
    || max(monitored.net_income_per_person_annual) || '元，低于' || max(s.monthly_standard_yuan)
    || '元×' || {{ threshold('n06_income_months_of_rural_standard') }} || '；未纳入低保或特困' as evidence,
    cast(null as string) as level_override
from monitored
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
inner join rural_standard as s on s.county_code = monitored.county_code and s.recency = 1
where not (hm.has_dibao_member or hm.has_tekun_member)
    and monitored.net_income_per_person_annual
        < {{ threshold('n06_income_months_of_rural_standard') }} * s.monthly_standard_yuan
group by hm.head_person_key
