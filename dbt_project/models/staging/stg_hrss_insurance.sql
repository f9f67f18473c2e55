-- One row for a person's social insurance line, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'hrss_insurance')) }}
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
        insurance_type,
        insurance_status,
        employer_name,
        employer_type,
        cast(monthly_contribution_base as decimal(14, 2)) as monthly_contribution_base,
        cast(monthly_pension as decimal(14, 2)) as monthly_pension,
        termination_reason,
        cast(termination_date as date) as termination_date,
        employment_status,
        row_issues
    from source
)

select * from renamed
