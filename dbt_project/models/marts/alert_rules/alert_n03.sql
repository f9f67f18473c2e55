-- One row per living person, not 特困, living alone (the latest record that counts the household
-- says one person, and no one else lives in the linked household), aged 60 or more, under 16, or
-- with a disability of level 一级/二级, whose income is below the 特困 basic living standard,
-- 1.3 x S (rule N03): the monthly income per person of the latest verification in the look-back
-- window when there is one, else the pension and wage lines with 人社.
-- A person already on 低保 (issue 25, item 12, decided): 特困 also needs no 法定赡养人 able to
-- support them, and no register delivers 赡养人 (the household links cannot find children who
-- live elsewhere), so a lone 低保 elder with a small pension is most often an elder with
-- children, paid up to the standard by 低保. Such a person raises N03 only on the catalogue's own
-- condition (domain.md): no pension or wage paid on any 人社 line; the evidence then asks the
-- county to check the 法定赡养人. A person on no programme raises on the income test as before.
with household_counts as (
    -- dated records that count the person's household; a 单人保 member's roster of one is not a
    -- household of one
    select records.person_key, {{ month_end() }} as counted_on, dibao.covered_members as household_size,
        '低保花名册保障人数' as source
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    where dibao.roster_status = '在保' and dibao.is_individual_dibao is distinct from '是'
    union all
    select records.person_key, visits.visit_date, visits.household_size, '入户走访家庭人口数'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_visits') }} as visits using (record_id)
    union all
    select records.person_key, applications.application_date, applications.household_size, '自主申报家庭人口数'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_applications') }} as applications using (record_id)
    union all
    select records.person_key, verification.completed_date, verification.household_size, '家庭经济状况核对家庭人口数'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
),

alone as (
    select person_key, {{ value_at_max("source", ["counted_on", "source"]) }} as source
    from household_counts
    where household_size is not null and counted_on <= {{ month_end() }}
    group by person_key
    having {{ value_at_max("household_size", ["counted_on", "household_size"]) }} = 1
),

incomes as (
    select * from {{ ref('int_person_hrss_incomes') }}
),

verified_incomes as (
    select
        records.person_key,
        {{ value_at_max("verification.household_income_annual / nullif(verification.household_size, 0) / 12", ["verification.completed_date", "verification.household_income_annual / nullif(verification.household_size, 0)"]) }} as monthly_income
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
    where verification.completed_date > {{ months_before_month_end('verification_lookback_months') }}
        and verification.completed_date <= {{ month_end() }}
    group by records.person_key
),

severe as (
    select distinct records.person_key
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_disability_cards') }} as cards using (record_id)
    where cards.card_status = '有效' and cards.disability_level in ('一级', '二级')
)

select
    'N03' as rule_id,
    pm.person_key as subject_person_key,
    alone.source || '1人，同户无其他在世成员；年龄' || {{ quoted(age_at_month_end('pm.birth_date'), '岁') }}
    || case when severe.person_key is not null then '，重度残疾' else '' end
    || case when verified_incomes.person_key is not null
        then '；家庭经济状况核对月人均收入' || {{ quoted('cast(round(verified_incomes.monthly_income, 2) as decimal(14, 2))', '元') }}
        else '；人社局月养老金与工资收入' || coalesce(incomes.monthly_income, 0) || '元' end
    || '，低于特困基本生活标准'
    || cast(round({{ threshold('tekun_standard_multiplier') }} * pm.dibao_standard, 2) as decimal(14, 2)) || '元（低保标准'
    || cast(pm.dibao_standard as decimal(14, 2)) || '元×' || {{ threshold('tekun_standard_multiplier') }} || '）；未纳入特困供养'
    || case when pm.category = 'dibao' then '；已享受低保，人社局无养老金或工资收入，须核实有无法定赡养人（部门数据无赡养人信息）' else '' end as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_categories') }} as pm
inner join alone using (person_key)
inner join {{ ref('int_household_categories') }} as households using (household_key)
left join severe using (person_key)
left join incomes using (person_key)
left join verified_incomes using (person_key)
where coalesce(pm.category <> 'tekun', true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
    and households.living_members = 1
    and ({{ age_at_month_end('pm.birth_date') }} >= {{ threshold('n03_elderly_age') }}
        or {{ age_at_month_end('pm.birth_date') }} < {{ threshold('n03_child_age') }}
        or severe.person_key is not null)
    and (coalesce(pm.category <> 'dibao', true) or coalesce(incomes.monthly_income, 0) = 0)
    and coalesce(verified_incomes.monthly_income, incomes.monthly_income, 0) < round({{ threshold('tekun_standard_multiplier') }} * pm.dibao_standard, 2)
