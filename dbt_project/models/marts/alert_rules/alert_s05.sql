-- One row per person active on both the dibao and the tekun roster, or on the dibao rosters
-- of two households or two counties (rule S05). When the person is on two 低保 rosters the
-- evidence names each roster the officer must check: the county and its 户编号 (issue 25,
-- item 10), so the county that finds the alert can call the other one about the same household.
with rosters as (
    select
        records.person_key,
        {% call text_agg("'、'", distinct=true) %}{{ quoted('counties.county_name') }} || '户编号' || {{ quoted('dibao.household_number') }}{% endcall %} as roster_list
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    left join {{ ref('counties') }} as counties on counties.county_code = dibao.county_code
    where dibao.roster_status = '在保'
    group by records.person_key
)

select
    'S05' as rule_id,
    programmes.person_key as subject_person_key,
    concat_ws('；',
        case when programmes.is_dibao_active and programmes.is_tekun_active then '同时在低保花名册（在保）和特困供养名册（在供）' end,
        case when programmes.active_dibao_households > 1 then '在' || programmes.active_dibao_households || '个低保家庭的花名册中在保' end,
        case when programmes.active_dibao_counties > 1 then '在' || programmes.active_dibao_counties || '个区县的低保花名册中在保' end,
        case when programmes.active_dibao_households > 1 or programmes.active_dibao_counties > 1
            then '在保花名册：' || {{ quoted('rosters.roster_list') }} end
    ) as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_programmes') }} as programmes
left join rosters on rosters.person_key = programmes.person_key
where (programmes.is_dibao_active and programmes.is_tekun_active)
    or programmes.active_dibao_households > 1
    or programmes.active_dibao_counties > 1
