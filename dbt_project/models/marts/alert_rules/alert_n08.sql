-- One row per person with a lead older than the configured working days and still open: a
-- visit that helped apply, an application 已受理/核对中/审核中, or a village report; the person
-- not enrolled on 低保 or 特困 since (a 低保边缘 person's stalled 低保 application is the commonest
-- case), and alive (rule N08).
with visits as (
    select records.person_key, visits.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_visits') }} as visits using (record_id)
),

applications as (
    select records.person_key, applications.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_applications') }} as applications using (record_id)
),

leads as (
    -- a visit that helped apply is closed by an application after it
    select visits.person_key, visits.visit_date as lead_date, '入户走访（协助申报）' as lead
    from visits
    where visits.assisted_application = '是'
        and not exists (
            select 1 from applications as a
            where a.person_key = visits.person_key and a.application_date >= visits.visit_date
        )
    union all
    -- an application is closed by its decision (the re-delivered application replaces it)
    select person_key, application_date, '自主申报（' || processing_status || '）'
    from applications
    where processing_status in ('已受理', '核对中', '审核中')
    union all
    -- a village report is closed by a later visit or application
    select records.person_key, reports.report_date, '基层上报'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_reports') }} as reports using (record_id)
    where not exists (
        select 1 from visits as v where v.person_key = records.person_key and v.visit_date >= reports.report_date
    )
        and not exists (
            select 1 from applications as a
            where a.person_key = records.person_key and a.application_date >= reports.report_date
        )
),

open_leads as (
    select *, {{ working_days_since('leads.lead_date') }} as working_days_open
    from leads
    where leads.lead_date <= {{ month_end() }}
)

select
    'N08' as rule_id,
    open_leads.person_key as subject_person_key,
    {% call text_agg("'；'", order_by=['open_leads.lead_date']) %}open_leads.lead || {{ format_date('open_leads.lead_date', '%Y-%m-%d') }} || '，已' || open_leads.working_days_open
        || '个工作日未办结'{% endcall %} as evidence,
    cast(null as string) as level_override
from open_leads
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where open_leads.working_days_open > {{ threshold('n08_working_days') }}
    and coalesce(pm.category not in ('tekun', 'dibao'), true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
group by open_leads.person_key
