-- One row per 低保 unit (an active roster household; a 单人保 member is a unit alone) whose living
-- members' pensions (on lines not 终止参保, or 终止参保 on retirement: int_person_hrss_incomes) plus
-- contribution bases (on lines 参保缴费) exceed the
-- configured multiple of the standard times the covered members (rule S03). Subject: the unit's
-- head, or a living member when the head has died.
with units as (
    select
        records.person_key,
        dibao.county_code || ':' || dibao.household_number as unit_key,
        dibao.covered_members,
        dibao.relation_to_head
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    where dibao.roster_status = '在保'
),

incomes as (
    select * from {{ ref('int_person_hrss_incomes') }}
),

unit_totals as (
    select
        units.unit_key,
        {{ value_at_min("units.person_key", ["case when units.relation_to_head = '本人' then 0 else 1 end", "units.person_key"]) }} as subject_person_key,
        max(units.covered_members) as covered_members,
        max(pm.dibao_standard) as dibao_standard,
        sum(coalesce(incomes.monthly_income, 0)) as monthly_income
    from units
    inner join {{ ref('int_person_categories') }} as pm using (person_key)
    left join incomes using (person_key)
    where pm.death_date is null or pm.death_date > {{ month_end() }}
    group by units.unit_key
)

select
    'S03' as rule_id,
    subject_person_key,
    '人社局：低保家庭在世成员月养老金与月缴费基数合计' || monthly_income || '元，超过'
    || {{ threshold('s03_income_multiplier') }} || '×低保标准' || dibao_standard || '元×保障人数' || covered_members
    as evidence,
    cast(null as string) as level_override
from unit_totals
where monthly_income > {{ threshold('s03_income_multiplier') }} * dibao_standard * covered_members
