-- One row per household with rigid spending (刚性支出) in the look-back window, per
-- 晋民发〔2022〕60号 (支出型困难: the household's rigid spending on medical care, education and
-- disability, not one person's medical bill; issue 25, item 8):
--   medical: what all members paid out of pocket over medical_lookback_months (医保 settlements);
--   education: members on the 教育局 student list of the school year in force, each counted at
--     rigid_spending_education_per_student_yuan a year (the list gives no cost: placeholder);
--   disability: members with a valid 一级/二级 disability card, each counted at
--     rigid_spending_severe_disability_per_person_yuan a year (the card gives no cost: placeholder).
-- The member who paid most out of pocket is the household's subject for N05 (else the head).
with members as (
    select households.person_key, households.household_key, households.is_head
    from {{ ref('int_person_households') }} as households
),

medical as (
    select members.household_key,
        sum(spending.out_of_pocket) as medical_out_of_pocket,
        sum(spending.settlements) as settlements,
        {{ value_at_max("members.person_key", ["spending.out_of_pocket", "members.person_key"]) }} as top_spender_person_key,
        {% call text_agg("'；'", order_by=['members.person_key']) %}spending.settlement_details{% endcall %} as settlement_details
    from {{ ref('int_person_medical_spending') }} as spending
    inner join members using (person_key)
    group by members.household_key
),

year_in_force as (
    select max(school_year) as school_year
    from {{ ref('stg_edu_students') }}
    where school_year <= {{ school_year() }}
),

students as (
    select members.household_key, count(distinct members.person_key) as students
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_edu_students') }} as students using (record_id)
    inner join year_in_force using (school_year)
    inner join members using (person_key)
    group by members.household_key
),

disabled as (
    select members.household_key, count(distinct members.person_key) as severely_disabled
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_disability_cards') }} as cards using (record_id)
    inner join members using (person_key)
    where cards.card_status = '有效' and cards.disability_level in ('一级', '二级')
    group by members.household_key
),

households as (
    select household_key from medical
    union
    select household_key from students
    union
    select household_key from disabled
)

select
    households.household_key,
    coalesce(medical.medical_out_of_pocket, 0) as medical_out_of_pocket,
    coalesce(medical.settlements, 0) as settlements,
    medical.settlement_details,
    medical.top_spender_person_key,
    coalesce(students.students, 0) as students,
    coalesce(students.students, 0) * {{ threshold('rigid_spending_education_per_student_yuan') }} as education_spending,
    coalesce(disabled.severely_disabled, 0) as severely_disabled,
    coalesce(disabled.severely_disabled, 0) * {{ threshold('rigid_spending_severe_disability_per_person_yuan') }} as disability_spending,
    coalesce(medical.medical_out_of_pocket, 0)
        + coalesce(students.students, 0) * {{ threshold('rigid_spending_education_per_student_yuan') }}
        + coalesce(disabled.severely_disabled, 0) * {{ threshold('rigid_spending_severe_disability_per_person_yuan') }}
        as rigid_spending
from households
left join medical using (household_key)
left join students using (household_key)
left join disabled using (household_key)
