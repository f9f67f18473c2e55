-- One row per person with medical settlements in the look-back window: what they paid out of
-- pocket over it, and how many settlements that was.
select
    records.person_key,
    sum(settlement.out_of_pocket) as out_of_pocket,
    count(*) as settlements
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_medins_settlements') }} as settlement using (record_id)
where settlement.settlement_date > {{ months_before_month_end('medical_lookback_months') }}
    and settlement.settlement_date <= {{ month_end() }}
group by records.person_key
