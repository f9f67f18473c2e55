-- One row per 低保, 分散供养 特困 or 低保边缘 household whose house is rated C级 or D级 and is not
-- in the renovation programme (rule P05; D级 is 红).
with houses as (
    select records.person_key, houses.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_housing_safety') }} as houses using (record_id)
    where houses.safety_grade in ('C级', 'D级')
        and coalesce(houses.included_in_renovation, '否') <> '是'
)

select
    'P05' as rule_id,
    hm.head_person_key as subject_person_key,
    '住建局房屋安全鉴定：' || max(houses.safety_grade) || '，未纳入改造；家庭为' || {{ household_category_label('max(hm.category)') }} as evidence,
    case when max(houses.safety_grade) = 'D级' then '红' end as level_override
from houses
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
left join {{ ref('int_person_programmes') }} as programmes on programmes.person_key = houses.person_key
where hm.has_dibao_member or hm.has_marginal_member or programmes.tekun_support_mode = '分散供养'
group by hm.head_person_key
