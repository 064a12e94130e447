// Not implemented yet: issue #7 fills this package. It exports nothing on purpose.
export {};
