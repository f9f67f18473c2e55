-- One row for a 特困 person on the roster, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'civil_tekun')) }}
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
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        sex,
        area_type,
        support_mode,
        self_care_ability,
        cast(monthly_basic_living as decimal(14, 2)) as monthly_basic_living,
        cast(monthly_care as decimal(14, 2)) as monthly_care,
        cast(enrolment_date as date) as enrolment_date,
        roster_status,
        row_issues
    from source
)

select * from renamed
