-- One row per person active on both the dibao and the tekun roster, or on the dibao rosters
-- of two households or two counties (rule S05).
select
    'S05' as rule_id,
    person_key as subject_person_key,
    concat_ws('；',
        case when is_dibao_active and is_tekun_active then '同时在低保花名册（在保）和特困供养名册（在供）' end,
        case when active_dibao_households > 1 then '在' || active_dibao_households || '个低保家庭的花名册中在保' end,
        case when active_dibao_counties > 1 then '在' || active_dibao_counties || '个区县的低保花名册中在保' end
    ) as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_programmes') }}
where (is_dibao_active and is_tekun_active)
    or active_dibao_households > 1
    or active_dibao_counties > 1
