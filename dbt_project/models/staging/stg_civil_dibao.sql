-- One row for a member of a 低保 household on the roster, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'civil_dibao'), per_county=true) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        county as county_code,
        township,
        village,
        household_number,
        head_name,
        head_id_number,
        head_id_number_status,
        head_id_number_raw,
        member_name,
        member_id_number,
        member_id_number_status,
        member_id_number_raw,
        relation_to_head,
        area_type,
        cast(covered_members as integer) as covered_members,
        cast(household_monthly_benefit as decimal(14, 2)) as household_monthly_benefit,
        cast(income_per_person_monthly as decimal(14, 2)) as income_per_person_monthly,
        health_status,
        work_ability,
        is_individual_dibao,
        cast(enrolment_date as date) as enrolment_date,
        roster_status,
        row_issues
    from source
)

select * from renamed
