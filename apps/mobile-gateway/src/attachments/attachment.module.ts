import { Module } from '@nestjs/common';
import { AttachmentController } from './attachment.controller';
import { AttachmentService } from './attachment.service';
import { ObjectStorage } from './object-storage.service';

@Module({
  controllers: [AttachmentController],
  providers: [ObjectStorage, AttachmentService],
  exports: [AttachmentService],
})
export class AttachmentModule {}
