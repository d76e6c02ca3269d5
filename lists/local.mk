# lists: the list manager (herald-list) builds here.
