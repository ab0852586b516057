-- Each span's samples per stack (issue 22), beside its totals and top functions: span merges
-- (Pyroscope's SelectMergeSpanProfile, span groups on the merged query routes) and the
-- explanation of a slow request read them instead of decoding the profile's pprof again.
-- Same layout as `profile_stacks`: stack ids from the tenant's dictionary, values
-- stack-major, one per sample type of the profile. Rows written before this migration have
-- NULL here; readers decode the stored pprof for them.
ALTER TABLE span_profiles ADD COLUMN stack_ids bigint[], ADD COLUMN stack_values bigint[];
