-- One row per person active on 特困 or 低保 who is a recorded relative of a village or
-- community cadre: every such case must be visited (rule S06).
select
    'S06' as rule_id,
    records.person_key as subject_person_key,
    '干部近亲属备案：' || {% call text_agg("'；'", distinct=true) %}{{ quoted('cadres.cadre_position') }} || '的' || {{ quoted('cadres.relationship') }}{% endcall %}
    || '；同时为' || {{ category_label('max(pm.category)') }} as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_civil_cadre_relatives') }} as cadres using (record_id)
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where records.role = 'relative'
    and pm.category in ('tekun', 'dibao')
group by records.person_key
