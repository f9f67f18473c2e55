-- One row per low-income household in which a member of working age died within the look-back
-- window (人社 终止原因 死亡 or 医保 人员状态 死亡): the household may have lost its main
-- earner (rule U03). The subject is the household's head.
select
    'U03' as rule_id,
    hm.head_person_key as subject_person_key,
    '家庭成员' || string_agg(pm.person_name || '于' || strftime(pm.death_date, '%Y-%m-%d') || '死亡（'
        || {{ age_at_month_end('pm.birth_date') }} || '岁）', '；') || '；家庭为' || max(hm.category) as evidence,
    cast(null as varchar) as level_override
from {{ ref('int_person_categories') }} as pm
inner join {{ ref('int_household_categories') }} as hm using (household_key)
where pm.death_date > {{ days_before_month_end('u03_death_lookback_days') }}
    and pm.death_date <= {{ month_end() }}
    and date_diff('year', pm.birth_date, pm.death_date)
        between {{ threshold('working_age_min') }} and {{ threshold('working_age_max') }}
    and hm.is_low_income
    and hm.head_person_key <> pm.person_key
group by hm.head_person_key
