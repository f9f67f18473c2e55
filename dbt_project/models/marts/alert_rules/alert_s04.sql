-- One row per member of a 低保 or 特困 household owning two or more properties or any 商品房
-- (rule S04).
select
    'S04' as rule_id,
    records.person_key as subject_person_key,
    '住建局房产登记：房产' || max(property.property_count) || '套，其中商品房'
    || coalesce(max(property.commercial_property_count), 0) || '套；家庭为' || max(hm.category) as evidence,
    cast(null as varchar) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_housing_property') }} as property using (record_id)
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
where (hm.has_dibao_member or hm.has_tekun_member)
    and (property.property_count >= 2 or property.commercial_property_count >= 1)
group by records.person_key
