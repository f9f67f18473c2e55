-- One row per 低保, 分散供养 特困, 低保边缘 or 支出型 household, or 脱贫户, whose house is rated C级
-- or D级 and is not in the renovation programme (rule P05; D级 is 红). 农村危房改造 covers the
-- 低保/特困/边缘/支出型 households and the 脱贫户 (issue 25, item 9: 支出型 and 脱贫户 were left out);
-- a 脱贫户 is named as such in the evidence.
with houses as (
    select records.person_key, houses.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_housing_safety') }} as houses using (record_id)
    where houses.safety_grade in ('C级', 'D级')
        and coalesce(houses.included_in_renovation, '否') <> '是'
),

poverty_alleviated as (
    select distinct categories.household_key
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_rural_monitoring') }} as rural using (record_id)
    inner join {{ ref('int_person_categories') }} as categories using (person_key)
    where rural.household_category = '脱贫户'
)

select
    'P05' as rule_id,
    hm.head_person_key as subject_person_key,
    '住建局房屋安全鉴定：' || max(houses.safety_grade) || '，未纳入改造；家庭为' || {{ household_category_label('max(hm.category)') }}
    || case when bool_or(alleviated.household_key is not null) then '；乡村振兴局脱贫户' else '' end as evidence,
    case when max(houses.safety_grade) = 'D级' then '红' end as level_override
from houses
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
left join {{ ref('int_person_programmes') }} as programmes on programmes.person_key = houses.person_key
left join poverty_alleviated as alleviated on alleviated.household_key = hm.household_key
where hm.has_dibao_member or hm.has_marginal_member or programmes.tekun_support_mode = '分散供养'
    or hm.category = 'expenditure_hardship'
    or alleviated.household_key is not null
group by hm.head_person_key
