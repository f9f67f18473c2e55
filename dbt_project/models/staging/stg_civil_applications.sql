-- One row per application for assistance (自主申报), delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'civil_applications')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        application_number,
        cast(application_date as date) as application_date,
        channel,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        phone,
        county as county_code,
        township,
        village,
        requested_programme,
        cast(household_size as integer) as household_size,
        cast(self_reported_income_monthly as decimal(14, 2)) as self_reported_income_monthly,
        hardship_description,
        processing_status,
        cast(decision_date as date) as decision_date,
        row_issues
    from source
)

select * from renamed
