-- One row per medical settlement, delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'medins_settlements')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        settlement_number,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        visit_type,
        institution,
        cast(admission_date as date) as admission_date,
        cast(settlement_date as date) as settlement_date,
        cast(total_cost as decimal(14, 2)) as total_cost,
        cast(basic_insurance_paid as decimal(14, 2)) as basic_insurance_paid,
        cast(critical_illness_insurance_paid as decimal(14, 2)) as critical_illness_insurance_paid,
        cast(medical_assistance_paid as decimal(14, 2)) as medical_assistance_paid,
        cast(out_of_pocket as decimal(14, 2)) as out_of_pocket,
        main_diagnosis,
        is_major_disease,
        row_issues
    from source
)

select * from renamed
