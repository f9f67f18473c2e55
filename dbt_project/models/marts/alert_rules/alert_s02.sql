-- One row per person active on 特困 or 低保 who pays social insurance through a government
-- body or public institution (机关 / 事业单位) (rule S02). A 公益性岗位 is not 财政供养: it is the
-- employment help 人社 gives the poor (就业困难人员), often at a 乡镇 or 村 office, so a line whose
-- 单位名称 names a 公益性岗位 (公益岗) or whose 就业状态 is 就业困难人员 does not count (issue 25, item 5).
-- Each line quotes its 单位名称, the employer the officer asks about (issue 25, item 10).
select
    'S02' as rule_id,
    records.person_key as subject_person_key,
    '人社局参保信息：' || {% call text_agg("'；'", distinct=true) %}{{ quoted('hrss.insurance_type') }} || '，' || {{ quoted('hrss.employer_name') }} || '（' || hrss.employer_type || '），'
        || hrss.insurance_status{% endcall %} || '；同时为' || {{ category_label('max(pm.category)') }} as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where pm.category in ('tekun', 'dibao')
    and hrss.insurance_status = '参保缴费'
    and hrss.employer_type in ('机关', '事业单位')
    and not (coalesce(hrss.employer_name, '') like '%公益性岗位%' or coalesce(hrss.employer_name, '') like '%公益岗%')
    and hrss.employment_status is distinct from '就业困难人员'
group by records.person_key
