-- One row per tekun or dibao person, alive at the month end, whose subsidised medical
-- insurance (资助参保) is missing, not 正常参保, or of the wrong 资助参保类别 (rule P01). A person
-- with no valid ID number from any record is S08's case: 医保局 cannot look up a broken ID.
-- 资助参保 concerns 城乡居民基本医疗保险 only: a person 正常参保 in 职工基本医疗保险 (through an
-- employer) is covered, whatever the line's 资助参保类别 says (issue 25, item 5).
with subjects as (
    select person_key, category, case category when 'tekun' then '特困人员' else '低保对象' end as expected_subsidy
    from {{ ref('int_person_categories') }}
    where category in ('tekun', 'dibao')
        and (death_date is null or death_date > {{ month_end() }})
        and id_number is not null
),

enrolments as (
    select records.person_key, medins.insurance_scheme, medins.enrolment_status, medins.subsidy_category
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_medins_enrollment') }} as medins using (record_id)
),

checked as (
    select
        subjects.person_key,
        subjects.expected_subsidy,
        count(enrolments.person_key) as enrolment_count,
        bool_or(enrolments.enrolment_status = '正常参保'
            and (enrolments.insurance_scheme = '职工基本医疗保险'
                or enrolments.subsidy_category = subjects.expected_subsidy)) as is_in_place,
        bool_or(enrolments.insurance_scheme = '职工基本医疗保险') as has_employee_scheme,
        -- a 职工医保 line names its scheme (its lapse is what 医保局 must look at); a 城乡居民 line
        -- reads as before
        {% call text_agg("'；'", distinct=true) %}case when enrolments.insurance_scheme = '职工基本医疗保险' then '职工基本医疗保险、' else '' end
            || {{ quoted('enrolments.enrolment_status') }} || '、' || {{ quoted('enrolments.subsidy_category') }}{% endcall %} as found
    from subjects
    left join enrolments using (person_key)
    group by subjects.person_key, subjects.expected_subsidy
)

select
    'P01' as rule_id,
    person_key as subject_person_key,
    case
        when enrolment_count = 0 then '医保局基本医疗保险参保信息中无此人；应为' || expected_subsidy || '资助参保'
        when has_employee_scheme then '医保局参保信息：' || found || '；应为职工基本医疗保险正常参保，或城乡居民基本医疗保险正常参保、资助参保类别' || expected_subsidy
        else '医保局参保信息：' || found || '；应为正常参保、资助参保类别' || expected_subsidy
    end as evidence,
    cast(null as string) as level_override
from checked
where not coalesce(is_in_place, false)
