-- One row for a student in the school year, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'edu_students')) }}
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
        sex,
        school_name,
        school_stage,
        grade,
        county as county_code,
        hardship_recognition,
        aid_programme,
        cast(aid_amount as decimal(14, 2)) as aid_amount,
        school_year,
        row_issues
    from source
)

select * from renamed
