-- One row per living valid disability card holder on 低保 (as a household or alone) without 困难残疾人生活补贴, or of
-- level 一级/二级 and low-income without 重度残疾人护理补贴 (rule P04).
with cards as (
    select records.person_key, cards.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_disability_cards') }} as cards using (record_id)
    where cards.card_status = '有效'
),

checked as (
    select
        cards.person_key,
        -- on 低保 as a household, or the holder on 低保 alone (单人保): not the relatives of a
        -- 单人保 member, whose family is not on 低保
        (hm.has_household_dibao_member or pm.category = 'dibao') and cards.living_subsidy <> '是' as lacks_living_subsidy,
        cards.disability_level in ('一级', '二级') and hm.is_low_income and cards.care_subsidy <> '是' as lacks_care_subsidy,
        cards.disability_category,
        cards.disability_level
    from cards
    inner join {{ ref('int_person_categories') }} as pm using (person_key)
    inner join {{ ref('int_household_categories') }} as hm using (household_key)
    where pm.death_date is null or pm.death_date > {{ month_end() }}
)

select
    'P04' as rule_id,
    person_key as subject_person_key,
    '残联持证残疾人信息：' || {{ quoted('max(disability_category)') }} || '残疾' || {{ quoted('max(disability_level)') }} || '；'
    || concat_ws('；',
        case when bool_or(lacks_living_subsidy) then '低保家庭未享受困难残疾人生活补贴' end,
        case when bool_or(lacks_care_subsidy) then '低收入重度残疾未享受重度残疾人护理补贴' end
    ) as evidence,
    cast(null as string) as level_override
from checked
group by person_key
having bool_or(lacks_living_subsidy) or bool_or(lacks_care_subsidy)
