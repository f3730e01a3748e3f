package sandbox

// files and attachments (billy-api.md §7.8).

func fileResources() []*resource {
	filesOf := func(o *orgState) *table[*fileRecord] { return o.files }
	attachmentsOf := func(o *orgState) *table[*attachment] { return o.attachments }
	return []*resource{
		{
			// Files cannot be updated or deleted: PUT and DELETE answer 405
			// (§7.8).
			plural: "files", singular: "file", rawUpload: true,
			list: listFrom("files", filesOf, func(c *call) listSpec[*fileRecord] {
				return listSpec[*fileRecord]{filters: map[string]filter[*fileRecord]{
					"isPdf":   boolFilter(func(x *fileRecord) bool { return x.IsPdf }),
					"isImage": boolFilter(func(x *fileRecord) bool { return x.IsImage }),
				}, sorts: map[string]func(a, b *fileRecord) int{
					"createdTime": byString(func(x *fileRecord) string { return x.CreatedTime }),
					"fileName":    byString(func(x *fileRecord) string { return x.FileName }),
				}}
			}),
			get:    getFrom("file", "files", filesOf),
			create: createFile,
			lookup: lookupIn(filesOf),
		},
		{
			plural: "attachments", singular: "attachment",
			list: listFrom("attachments", attachmentsOf, func(c *call) listSpec[*attachment] {
				return listSpec[*attachment]{filters: map[string]filter[*attachment]{
					"ownerReference": eqPtrFilter(func(x *attachment) *string { return x.OwnerReference }),
					"fileId":         eqFilter(func(x *attachment) string { return x.FileID }),
				}, sorts: map[string]func(a, b *attachment) int{
					"priority":    byInt(func(x *attachment) int { return x.Priority }),
					"createdTime": byString(func(x *attachment) string { return x.CreatedTime }),
				}}
			}),
			get:    getFrom("attachment", "attachments", attachmentsOf),
			create: createAttachment, update: updateAttachment, del: deleteAttachment,
			lookup: lookupIn(attachmentsOf),
			relations: map[string]relation{
				"file": belongsTo("files"),
			},
		},
	}
}

// createAttachment links a file to an owner: POST /attachments
// {"attachment": {"ownerReference": "bill:<id>", "fileId": "<id>"}}.
// Guess: the docs mark ownerReference required; the sandbox also takes an
// attachment without one (unlinked, as x-create-attachment makes), to be
// linked with attachmentIds later.
func createAttachment(c *call) (*result, error) {
	o := c.org
	v := newValidation("attachment", "The attachment is invalid.")
	in := newInput(c.body, v)
	owner, _ := in.optStr("ownerReference")
	fileID, _ := in.str("fileId")
	priority, hasPriority := in.integer("priority")
	var list *[]string
	if owner != nil {
		l, ok := o.ownerOf(*owner)
		if !ok {
			v.field("ownerReference", "The owner must be an existing bill, invoice or daybookTransaction, such as bill:<id>.")
		}
		list = l
	}
	switch _, ok := o.files.get(fileID); {
	case fileID == "":
		v.field("fileId", msgBlank)
	case !ok:
		v.field("fileId", msgUnknown)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	a := o.addAttachment(owner, fileID, c.now, ch)
	if list != nil {
		*list = append(*list, a.ID)
		a.Priority = len(*list)
	}
	if hasPriority {
		a.Priority = priority
	}
	return written(ch), nil
}

// updateAttachment changes an attachment's priority; its owner and file are
// immutable (§7.8).
func updateAttachment(c *call) (*result, error) {
	o := c.org
	a, ok := o.attachments.get(c.id)
	if !ok {
		return nil, errNotFound("attachment", c.id)
	}
	v := newValidation("attachment", "The attachment is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": a.ID, "fileId": a.FileID, "ownerReference": deref(a.OwnerReference)})
	priority, hasPriority := in.integer("priority")
	if err := v.err(); err != nil {
		return nil, err
	}
	if hasPriority {
		a.Priority = priority
	}
	ch := newChanges()
	ch.add("attachments", a.ID, a)
	return written(ch), nil
}

// deleteAttachment removes the link; the file stays (files cannot be
// deleted).
func deleteAttachment(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	a, ok := o.attachments.get(c.id)
	if !ok {
		return written(ch), nil
	}
	if a.OwnerReference != nil {
		if list, ok := o.ownerOf(*a.OwnerReference); ok {
			*list = removeID(*list, a.ID)
		}
	}
	o.attachments.remove(a.ID)
	ch.del("attachments", a.ID)
	return written(ch), nil
}
