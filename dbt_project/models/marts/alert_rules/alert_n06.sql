-- One row per 防返贫 monitoring household at risk (not eliminated), or 脱贫户, whose net income per person
-- is below 12 months of the rural 低保 standard and that is not on 低保 or 特困 (rule N06). As in
-- N01 and P04 the test is the household's: a 单人保 member (on 低保 alone) or a 特困 person does not
-- cover the family, so the household raises unless it is on 低保 as a household, as long as a
-- living monitored member is on neither (issue 25, item 9). A 脱贫户 (lifted out of poverty,
-- not under monitoring) whose income is below the line raises too, whatever its 风险是否消除:
-- 乡村振兴局 no longer watches it and 民政局 has not covered it, so it belongs to nobody (item 9).
with monitored as (
    select records.person_key, rural.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_rural_monitoring') }} as rural using (record_id)
    where (rural.household_category = '监测户' and rural.risk_eliminated = '否')
        or rural.household_category = '脱贫户'
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
    case when bool_or(monitored.household_category = '监测户')
        then '乡村振兴局监测户（' || {{ quoted("max(monitored.monitoring_category) filter (where monitored.household_category = '监测户')") }} || '，风险未消除）：家庭年人均纯收入'
        else '乡村振兴局脱贫户：家庭年人均纯收入' end
    || max(monitored.net_income_per_person_annual) || '元，低于' || max(s.monthly_standard_yuan)
    || '元×' || {{ threshold('n06_income_months_of_rural_standard') }}
    || case
        when max(case when hm.has_dibao_member or hm.has_tekun_member then 1 else 0 end) = 1
            then '；未整户纳入低保：户内仅有单人保或特困人员，其余成员未纳入低保或特困'
        else '；未纳入低保或特困'
    end as evidence,
    cast(null as string) as level_override
from monitored
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
inner join rural_standard as s on s.county_code = monitored.county_code and s.recency = 1
where not coalesce(hm.has_household_dibao_member, false)
    and monitored.net_income_per_person_annual
        < {{ threshold('n06_income_months_of_rural_standard') }} * s.monthly_standard_yuan
group by hm.head_person_key
having bool_or(coalesce(pm.category not in ('tekun', 'dibao'), true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }}))
