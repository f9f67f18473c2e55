-- One row per person active on 特困 or 低保 who pays social insurance through a government
-- body or public institution (机关 / 事业单位) (rule S02).
select
    'S02' as rule_id,
    records.person_key as subject_person_key,
    '人社局参保信息：' || {% call text_agg("'；'", distinct=true) %}{{ quoted('hrss.insurance_type') }} || '，' || hrss.employer_type || '，'
        || hrss.insurance_status{% endcall %} || '；同时为' || {{ category_label('max(pm.category)') }} as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where pm.category in ('tekun', 'dibao')
    and hrss.insurance_status = '参保缴费'
    and hrss.employer_type in ('机关', '事业单位')
group by records.person_key
