import { Module } from '@nestjs/common';
import { AttachmentController } from './attachment.controller';
import { AttachmentPrefetcher } from './attachment-prefetcher.service';
import { AttachmentRelayService } from './attachment-relay.service';
import { AttachmentService } from './attachment.service';
import { ObjectStorage } from './object-storage.service';

@Module({
  controllers: [AttachmentController],
  providers: [ObjectStorage, AttachmentRelayService, AttachmentService, AttachmentPrefetcher],
  exports: [AttachmentService],
})
export class AttachmentModule {}
