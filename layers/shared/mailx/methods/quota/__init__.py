"""RFC 9425 Quota methods: Quota/get, /changes, /query, /queryChanges (usage kept by store.quota)."""
