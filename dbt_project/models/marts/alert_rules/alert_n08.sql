-- One row per person with a lead older than the configured working days and still open: a
-- visit that helped apply, an application 已受理/核对中/审核中, or a village report; the person
-- not enrolled since (rule N08).
with leads as (
    select records.person_key, visits.visit_date as lead_date, '入户走访（协助申报）' as lead
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_visits') }} as visits using (record_id)
    where visits.assisted_application = '是'
    union all
    select records.person_key, applications.application_date, '自主申报（' || applications.processing_status || '）'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_applications') }} as applications using (record_id)
    where applications.processing_status in ('已受理', '核对中', '审核中')
    union all
    select records.person_key, reports.report_date, '基层上报'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_reports') }} as reports using (record_id)
),

open_leads as (
    select *, {{ working_days_since('leads.lead_date') }} as working_days_open
    from leads
    where leads.lead_date <= {{ month_end() }}
)

select
    'N08' as rule_id,
    open_leads.person_key as subject_person_key,
    string_agg(open_leads.lead || strftime(open_leads.lead_date, '%Y-%m-%d') || '，已' || open_leads.working_days_open
        || '个工作日未办结', '；' order by open_leads.lead_date) as evidence,
    cast(null as varchar) as level_override
from open_leads
inner join {{ ref('person_month') }} as pm using (person_key)
where open_leads.working_days_open > {{ threshold('n08_working_days') }}
    and coalesce(pm.category not in ('tekun', 'dibao', 'marginal'), true)
group by open_leads.person_key
