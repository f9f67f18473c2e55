-- One row per living person on the 低保 or 特困 roster (the people the benefit covers: a 单人保
-- member or a 特困 person is judged on their own property, not their relatives') owning the
-- configured number of properties or any 商品房 (rule S04).
select
    'S04' as rule_id,
    records.person_key as subject_person_key,
    '住建局房产登记：房产' || {{ quoted('max(property.property_count)', '套') }} || '，其中商品房'
    || {{ quoted('max(property.commercial_property_count)', '套') }} || '；本人为'
    || case when bool_or(programmes.is_tekun_active) then '特困供养人员' else '低保对象' end as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_housing_property') }} as property using (record_id)
inner join {{ ref('int_person_programmes') }} as programmes using (person_key)
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where (programmes.is_dibao_active or programmes.is_tekun_active)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
    and (property.property_count >= {{ threshold('s04_properties_min') }}
        or property.commercial_property_count >= {{ threshold('s04_commercial_properties_min') }})
group by records.person_key
