-- One row per low-income household in which a member of working age (whole years at death) died
-- within the look-back window or whose death became known this month (人社 终止原因 死亡 or 医保
-- 人员状态 死亡), the head included: the household may have lost its main earner (rule U03). The
-- subject is the living head, or the eldest living member when the head is the one who died.
-- The window decides only when it is raised: it stays open (持续, overdue when due) until a
-- 临时救助 reaches the household on or after the death (or the county disposes of it,
-- alert_history), for any death that could be raised in a month the warehouse ran (docs/lifecycle.md).
with members as (
    select * from {{ ref('int_person_categories') }}
),

known_last_month as (
    select person_key, death_date
    from {{ ref('person_month') }}
    where month = {{ previous_month() }}
),

deaths as (
    select members.*
    from members
    left join known_last_month using (person_key)
    where members.death_date <= {{ month_end() }}
        and (members.death_date >= {{ window_start('u03_death_lookback_days') }}
            or (known_last_month.person_key is not null and known_last_month.death_date is null)
            {%- if var('first_month') != '0000-00' %}
            -- raised in an earlier month the warehouse ran: it stays open (持续) until answered
            or members.death_date >= last_day(cast('{{ var("first_month") }}-01' as date))
                - (cast({{ threshold('u03_death_lookback_days') }} as integer) - 1)
            {%- endif %})
        -- what U03 asks for: a 临时救助 to the household on or after the death closes it
        and {{ no_temp_assistance_since('members.household_key', 'members.death_date') }}
        and {{ age_on('members.birth_date', 'members.death_date') }}
            between {{ threshold('working_age_min') }} and {{ threshold('working_age_max') }}
),

contacts as (
    select
        members.household_key,
        coalesce(
            max(members.person_key) filter (where members.person_key = households.head_person_key),
            {{ value_at_min("members.person_key", ["members.birth_date", "members.person_key"]) }}
        ) as contact_person_key
    from members
    inner join {{ ref('int_household_categories') }} as households using (household_key)
    where members.death_date is null or members.death_date > {{ month_end() }}
    group by members.household_key
)

select
    'U03' as rule_id,
    contacts.contact_person_key as subject_person_key,
    '家庭成员' || {% call text_agg("'；'", order_by=['deaths.death_date']) %}{{ quoted('deaths.person_name') }} || '于' || {{ format_date('deaths.death_date', '%Y-%m-%d') }} || '死亡（'
        || {{ age_on('deaths.birth_date', 'deaths.death_date') }} || '岁）'{% endcall %}
    || '；家庭为' || {{ household_category_label('max(households.category)') }} as evidence,
    cast(null as string) as level_override
from deaths
inner join {{ ref('int_household_categories') }} as households using (household_key)
inner join contacts using (household_key)
where households.is_low_income
group by contacts.contact_person_key
