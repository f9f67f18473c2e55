-- One row per member of working age of a 低保 or 低保边缘 household registered 登记失业 or
-- 就业困难人员 with 人社 (rule P06).
select
    'P06' as rule_id,
    records.person_key as subject_person_key,
    '人社局就业登记：' || max(hrss.employment_status) || '；年龄'
    || max({{ age_at_month_end('pm.birth_date') }}) || '岁，家庭为' || {{ household_category_label('max(hm.category)') }} as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
where hrss.employment_status in ('登记失业', '就业困难人员')
    and (hm.has_dibao_member or hm.has_marginal_member)
    and {{ age_at_month_end('pm.birth_date') }}
        between {{ threshold('working_age_min') }} and {{ threshold('working_age_max') }}
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
group by records.person_key
