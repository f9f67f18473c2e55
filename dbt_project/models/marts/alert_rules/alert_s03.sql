-- One row per 低保 household whose members' pensions plus contribution bases exceed the
-- configured multiple of the standard times the covered members (rule S03).
with covered as (
    select records.person_key, max(dibao.covered_members) as covered_members
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    where dibao.roster_status = '在保'
    group by records.person_key
),

incomes as (
    select records.person_key,
        sum(coalesce(hrss.monthly_pension, 0) + coalesce(hrss.monthly_contribution_base, 0)) as monthly_income
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
    group by records.person_key
),

households as (
    select
        hm.household_key,
        hm.head_person_key,
        max(covered.covered_members) as covered_members,
        max(pm.dibao_standard) as dibao_standard,
        sum(coalesce(incomes.monthly_income, 0)) as monthly_income
    from {{ ref('int_person_categories') }} as pm
    inner join {{ ref('int_household_categories') }} as hm using (household_key)
    left join covered using (person_key)
    left join incomes using (person_key)
    where hm.has_dibao_member
    group by hm.household_key, hm.head_person_key
)

select
    'S03' as rule_id,
    head_person_key as subject_person_key,
    '人社局：家庭成员月养老金与月缴费基数合计' || monthly_income || '元，超过' || {{ threshold('s03_income_multiplier') }}
    || '×低保标准' || dibao_standard || '元×保障人数' || covered_members as evidence,
    cast(null as varchar) as level_override
from households
where monthly_income > {{ threshold('s03_income_multiplier') }} * dibao_standard * covered_members
