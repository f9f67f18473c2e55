-- One row for a person's medical insurance enrolment, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'medins_enrollment')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        insurance_scheme,
        enrolment_status,
        subsidy_category,
        person_status,
        cast(death_date as date) as death_date,
        row_issues
    from source
)

select * from renamed
