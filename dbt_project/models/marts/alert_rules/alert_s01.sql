-- One row per person still active on the tekun or dibao roster although a death is recorded
-- before the month end, by more than the configured grace the roster needs to catch up (rule S01).
select
    'S01' as rule_id,
    pm.person_key as subject_person_key,
    case pm.category when 'tekun' then '特困供养名册状态在供' else '低保花名册状态在保' end
    || '，但' || case when people.death_source like '%medins%' then '医保局' when people.death_source is not null then '人社局'
        else '{{ missing_value() }}' end
    || '记录死亡日期' || {{ format_date('pm.death_date', '%Y-%m-%d') }} as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_categories') }} as pm
inner join {{ ref('int_people') }} as people on people.person_key = pm.person_key
where pm.category in ('tekun', 'dibao')
    and pm.death_date <= {{ month_end() }} - cast({{ threshold('s01_death_grace_days') }} as integer)
